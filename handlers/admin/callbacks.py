from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class AdminAction(StrEnum):
    USER = "u"  # open user ``id``
    SUSPEND = "sus"  # ask suspension length for user ``id``
    SUSPEND_DAYS = "sd"  # ``value`` days chosen
    BAN = "ban"
    UNBAN = "unban"
    ROLE = "role"  # ``value`` is the new platform role
    BUSINESS = "b"  # open business ``id``
    FLAG = "flag"
    UNFLAG = "unflag"
    PLAN = "plan"  # show plans for business ``id``
    SET_PLAN = "sp"  # ``value`` plan code
    TRIAL = "trial"  # ``value`` days to add
    PAUSE = "pau"  # pause the owner's subscription of business ``id``
    RESUME = "res"
    TICKETS = "tks"
    TICKET = "t"  # open ticket ``id``
    ASSIGN = "as"
    REPLY = "re"
    PRIORITY = "pr"  # ``value`` priority
    STATUS = "st"  # ``value`` status


class AdminCB(CallbackData, prefix="adm1"):
    action: AdminAction
    id: int = 0
    value: str = ""


class SupportAction(StrEnum):
    NEW = "new"
    OPEN = "open"  # view ticket ``id``
    CLOSE = "close"


class SupportCB(CallbackData, prefix="sup1"):
    action: SupportAction
    id: int = 0


class PlanAdminAction(StrEnum):
    LIST = "ls"
    OPEN = "o"  # plan ``id``
    EDIT = "e"  # ``value`` a limit key or a price field
    ON = "on"
    OFF = "off"
    NEW = "new"  # a new plan copying plan ``id``


class PlanAdminCB(CallbackData, prefix="apl1"):
    action: PlanAdminAction
    id: int = 0
    value: str = ""


class InvoiceAdminAction(StrEnum):
    LIST = "ls"  # ``status`` filter ("" = all), ``page``
    OPEN = "o"  # invoice ``id``
    RESEND = "rs"


class InvoiceAdminCB(CallbackData, prefix="ainv1"):
    action: InvoiceAdminAction
    id: int = 0
    status: str = ""
    page: int = 0


class PlatformAction(StrEnum):
    MAINTENANCE = "mt"  # ``value`` "1" on / "0" off
    REGISTRATION = "rg"  # ``value`` "1" open / "0" closed
    TRIAL = "tr"  # ask for the trial length
    AI_KEY = "ak"  # ask for the key
    AI_KEY_CLEAR = "akx"


class PlatformCB(CallbackData, prefix="apf1"):
    action: PlatformAction
    value: str = ""
