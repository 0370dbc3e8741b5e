"""
A request that changes nothing, and the sentence that says why: the one refusal type.

A service raises (or returns) a ``Refusal`` when it will not do what was
asked; the view that called it answers with ``status`` and shows ``sentence``
to the person, beside what they typed. The author's edits and withdrawals
(comments/posting/editing.py) and the moderation desk (comments/desk/) both
refuse this way.
"""


class Refusal(Exception):
    """Nothing was changed: ``sentence`` tells the person why, ``status`` is the HTTP answer."""

    def __init__(self, sentence: str, status: int):
        super().__init__(sentence)
        self.sentence = sentence
        self.status = status
