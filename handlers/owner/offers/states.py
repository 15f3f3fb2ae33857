from aiogram.fsm.state import State, StatesGroup


class OfferSG(StatesGroup):
    # creating an offer
    name = State()
    product = State()
    outcome = State()
    price = State()
    # editing one offer (``offer_id`` in the draft)
    edit_value = State()  # the new name, core product, dream outcome or price (``field``)
    edit_bonus_name = State()  # ``bonus_index`` in the draft
    edit_bonus_value = State()
    new_price = State()  # kept so a price edit saved before the field picker still resumes
    bonus_name = State()
    bonus_value = State()
    deadline = State()
    scarcity = State()
    guarantee = State()
    cost = State()
    margin = State()
    competitors = State()


CREATE_STEPS = ("name", "product", "outcome", "price")
PRICING_STEPS = ("cost", "margin", "competitors")
