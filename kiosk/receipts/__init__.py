"""Receipts: the document model, Thai line breaking, and the two ESC/POS renderers.

`model.Document` says what a slip contains; `render.render_receipt(document, profile)`
produces the job's bytes (raster with RAQM-shaped Sarabun, or native CP874 text when the
profile vouches for the printer's Thai). `thai_text.wrap_thai` is the word wrapper the UI
reuses.
"""
