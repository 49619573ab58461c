"""Printing: the Qt bridge that sends ReportLab's PDFs to a real printer.

`qt_print` renders each PDF page with QtPdf onto a `QPrinter` at the printer's resolution
(`available_printers`, `default_printer`, `print_pdf`, and the errors `PrinterMissing` and
`PrintFailed`); `jobs.print_or_keep` first keeps the PDF under `<data dir>/printouts/<day>/`,
then prints it, and reports instead of raising when there is no printer.

Besides `gui/`, this is the only package that imports PySide6, and only when something is
printed: importing `counter_app.printing` itself loads no Qt. It may import `core` only.
"""
