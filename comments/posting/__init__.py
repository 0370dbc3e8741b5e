"""
A new comment, and its author's second thoughts: everything that writes a reader's words.

- ``views``: the comment POST, the form stamp, editing and withdrawing; HTTP only;
- ``intake``: every rule a new comment meets, in order, and one verdict;
- ``service``: a new comment stored under its verdict, with what that sets off;
- ``origin``: where the POST came from (cross-site posts are refused);
- ``stamps``: the form stamp that tells people from bots;
- ``editing``: the author's edit or withdrawal, within its window;
- ``middleware``: an oversized comment POST refused before it is read.
"""
