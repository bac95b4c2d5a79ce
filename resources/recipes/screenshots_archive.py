"""File screenshots older than some days into an archive folder, one subfolder per month."""
# inputs: "folder" (granted folder), "days" (how old a screenshot must be), "archive" (subfolder name).
import re
import time
from datetime import datetime

folder, days, archive = inputs["folder"], int(inputs["days"]), inputs["archive"]
# Names Windows, macOS, GNOME, KDE and phones give screenshots (also in a few languages).
SCREENSHOT = re.compile(r"^(screen ?shot|screenshot|bildschirmfoto|capture d.(é|e)cran|captura de pantalla"
                        r"|schermafbeelding|skärmavbild|istantanea)", re.IGNORECASE)
DATE_IN_NAME = re.compile(r"(20\d\d)-?(\d\d)-?(\d\d)")
cutoff = time.time() - days * 86400

moved = 0
for entry in files.stat_many(files.list(folder)):
    if entry["is_folder"] or not SCREENSHOT.match(entry["name"]):
        continue
    # The date in the name, if any (copies keep it), else the file's modified time.
    when = entry["modified_epoch"]
    found = DATE_IN_NAME.search(entry["name"])
    if found:
        try:
            when = datetime(int(found[1]), int(found[2]), int(found[3])).timestamp()
        except ValueError:
            pass  # digits that are not a date: keep the modified time
    if when > cutoff:
        continue
    target = f"{folder}/{archive}/{datetime.fromtimestamp(when).strftime('%Y-%m')}"
    if files.exists(f"{target}/{entry['name']}"):
        print(f"Left {entry['path']}: {target} already has a file of that name.")
        continue
    files.mkdir(target)
    files.rename(entry["path"], f"{target}/{entry['name']}")
    moved += 1
print(f"Filed {moved} screenshots older than {days} days into {folder}/{archive}.")
result = moved
