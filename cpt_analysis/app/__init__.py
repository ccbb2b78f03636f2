"""The workbook as a local web app for people who do not write code (``cpt-workbook app``).

Each page is a notebook in ``pages/`` served by Voila with ipywidgets: pickers instead of typed
parameters (:mod:`.pickers`, checked by the CLI's own validators, refusals in its words), the
package's tables and charts for the current choices (:mod:`.card_page`, :mod:`.explorer_page`,
:mod:`.pairings_page`, :mod:`.practice_page`, on :mod:`.page`), and the same HTML and Excel
reports as ``cpt-workbook run``. :mod:`.server` starts Voila on 127.0.0.1, offline.
"""
