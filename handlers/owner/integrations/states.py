from aiogram.fsm.state import State, StatesGroup


class IntegrationSG(StatesGroup):
    account = State()  # the account / page / customer / property id
    token = State()  # Meta: the access token
    client_id = State()  # Google: OAuth client id, secret and refresh token
    client_secret = State()
    refresh_token = State()
    rate = State()  # so'm per unit of the ad account's currency
