"""The sales bot's knowledge base in the owner bot (/kb): Q&A (FAQ, delivery, payment) and
products with prices — list, add, edit, delete with a confirmation, import from a file."""

from handlers.owner.knowledge.steps import router

__all__ = ["router"]
