from aiogram.fsm.state import State, StatesGroup


class OfferSG(StatesGroup):
    # creating an offer
    name = State()
    product = State()
    outcome = State()
    price = State()
    # editing one offer (``offer_id`` in the draft)
    new_price = State()
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
