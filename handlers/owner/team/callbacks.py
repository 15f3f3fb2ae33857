from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from services.teams import Role


class TeamAction(StrEnum):
    LIST = "ls"  # back to the member list
    INVITE = "inv"  # choose the role of a new invite
    INVITE_ROLE = "ir"  # create the invite for ``role``
    MEMBER = "mb"  # a member's card (``id`` = user id)
    SET_ROLE = "sr"  # give member ``id`` the ``role``
    REMOVE = "rm"  # ask to confirm removing member ``id``
    REMOVE_OK = "rmok"  # remove member ``id``
    REVOKE = "rv"  # revoke invite ``id``


class TeamCB(CallbackData, prefix="tm1"):
    """Ids here are only hints: the services re-check them against the current business."""

    action: TeamAction
    id: int = 0
    role: Role | None = None


class InviteAnswer(StrEnum):
    ACCEPT = "yes"
    DECLINE = "no"


class InviteCB(CallbackData, prefix="tm1i"):
    """The invitee's answer; the token is looked up again when pressed."""

    answer: InviteAnswer
    token: str
