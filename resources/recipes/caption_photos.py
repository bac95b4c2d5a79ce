"""Describe each photo in a folder with the vision model and save the captions in a CSV file."""
# inputs: "folder" (granted folder), "output" (the CSV's name, made in that folder).
import csv
import io

folder, output = inputs["folder"], inputs["output"]
kinds = (".jpg", ".jpeg", ".heic", ".heif", ".png", ".webp", ".gif", ".tif", ".tiff", ".bmp")
pictures = [p for p in files.list(folder) if p.lower().endswith(kinds)]

table = io.StringIO()
writer = csv.writer(table)
writer.writerow(["file", "caption", "tags"])
for path in pictures:
    described = vision.caption(path)  # a smaller copy is sent to the vision model
    writer.writerow([path.rsplit("/", 1)[-1], described["caption"], ", ".join(described["tags"])])
files.write_text(f"{folder}/{output}", table.getvalue())
print(f"Described {len(pictures)} pictures in {folder}/{output}.")
result = len(pictures)
