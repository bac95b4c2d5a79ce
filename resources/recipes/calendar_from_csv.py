"""Add the events listed in a CSV file (title, start, end, location) to the calendar."""
# inputs["file"]: the CSV, e.g. "Documents/events.csv". Its first line names the columns:
# title, start, end (optional: one hour later), location (optional). Dates as 2024-07-14 or
# 2024-07-14 09:30; a row with only dates is an all-day event.
import csv
import io
from datetime import datetime, timedelta

rows = csv.DictReader(io.StringIO(files.read_text(inputs["file"])))
rows.fieldnames = [(name or "").strip().lower() for name in rows.fieldnames or []]
if "title" not in rows.fieldnames or "start" not in rows.fieldnames:
    raise ValueError(f"{inputs['file']} needs a first line naming the columns title and start "
                     f"(and end, location); it has: {', '.join(rows.fieldnames) or 'nothing'}.")


def moment(text, line, column):
    """The date or date and time in a cell, or a clear error naming the line."""
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"line {line}: the {column} {text.strip()!r} is not a date like 2024-07-14 "
                         f"or 2024-07-14 09:30") from None


added, problems = [], []
for row in rows:
    line = rows.line_num
    cell = {column: (value or "").strip() for column, value in row.items() if isinstance(value, str)}
    title, first, last = cell.get("title", ""), cell.get("start", ""), cell.get("end", "")
    try:
        if not title:
            raise ValueError(f"line {line}: the title is empty")
        all_day = len(first) <= 10  # only a date
        start = moment(first, line, "start")
        end = moment(last, line, "end") if last else start + timedelta(hours=1)
        if end < start:
            raise ValueError(f"line {line}: the end {last!r} is before the start {first!r}")
        fmt = "%Y-%m-%d" if all_day else "%Y-%m-%dT%H:%M:%S"
        calendar.create(title, start.strftime(fmt), end.strftime(fmt), location=cell.get("location", ""),
                        all_day=all_day)
        added.append(title)
    except ValueError as problem:
        problems.append(str(problem))
        print(f"Skipped {problem}")
if problems and not added:
    raise ValueError("No event could be added: " + "; ".join(problems))
result = {"added": added, "skipped": problems}
