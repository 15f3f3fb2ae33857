from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class AmoAction(StrEnum):
    HOME = "home"  # the status screen
    CONNECT = "conn"  # start (or restart) the connect wizard
    STAGES = "stages"  # the status → stage list
    STAGE = "stage"  # ``value`` = AmoCRM status id: choose its stage
    SET_STAGE = "setst"  # ``value`` = "<status id>.<stage>"
    PIPELINES = "pipes"  # choose the pipeline deals sync in
    SET_PIPELINE = "setp"  # ``value`` = pipeline id
    FIELDS = "fields"  # the UTM/source field list
    FIELD = "field"  # ``value`` = BiznesPilot field name: choose its AmoCRM field
    SET_FIELD = "setf"  # ``value`` = "<name>.<field id or 0>"
    SYNC = "sync"
    LOG = "log"
    DISCONNECT = "disc"  # ask
    DISCONNECT_YES = "discy"


class AmoCB(CallbackData, prefix="amo1"):
    """``value`` is re-validated by the services against this business's account."""

    action: AmoAction
    value: str = ""
