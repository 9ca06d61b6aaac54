"""The office's ITA report: the importer of its OCR text, the office facts read from it, the measures report."""
