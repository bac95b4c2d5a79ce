"""Make smaller copies of the pictures in a folder, ready to send by e-mail."""
# inputs: "folder" (granted folder), "max_side" (longest side in pixels), "subfolder" (for the copies).
folder, max_side, subfolder = inputs["folder"], int(inputs["max_side"]), inputs["subfolder"]
kinds = (".jpg", ".jpeg", ".heic", ".heif", ".png", ".tif", ".tiff", ".webp", ".bmp")
pictures = [p for p in files.list(folder) if p.lower().endswith(kinds)]
files.mkdir(f"{folder}/{subfolder}")

made, used = [], set()
for path in pictures:
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    name, n = stem, 2
    while name.lower() in used:  # "beach.png" and "beach.jpg" both become JPEGs
        name, n = f"{stem} ({n})", n + 1
    used.add(name.lower())
    # JPEG opens everywhere; the originals stay untouched. Running again replaces old copies.
    made.append(photos.resize(path, f"{folder}/{subfolder}/{name}.jpg", max_side, overwrite=True))
print(f"{len(made)} copies, at most {max_side} pixels on the longest side, in {folder}/{subfolder}.")
result = made
