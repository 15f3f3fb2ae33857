"""No states of its own: "Add a business" runs the onboarding wizard (``OnboardingSG``), and
switching is a single button press."""
