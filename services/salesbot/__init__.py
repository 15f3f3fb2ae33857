"""The AI sales chatbot (SPEC §3.9): business bots, customer conversations, intents, the
knowledge base, answers, nurture and stats. Transport-free like every service."""
