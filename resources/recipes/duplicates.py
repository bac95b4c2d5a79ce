"""Find files with the same content in a folder and move the extra copies to the holding area."""
# inputs["folder"]: the granted folder to search, with its subfolders.
folder = inputs["folder"]
# Empty files are all "equal" but are often placeholders: leave them alone.
entries = [e for e in files.stat_many(files.list(folder, recursive=True)) if not e["is_folder"] and e["size"]]

# Only files of equal size can be equal: hash just those (on the computer, in one call).
by_size = {}
for e in entries:
    by_size.setdefault(e["size"], []).append(e)
candidates = [e for group in by_size.values() if len(group) > 1 for e in group]
groups = {}
for e, digest in zip(candidates, files.hash_many([e["path"] for e in candidates])):
    groups.setdefault(digest, []).append(e)

removed, freed = [], 0
for same in groups.values():
    if len(same) < 2:
        continue
    # Keep the oldest copy (then the shortest, then the first by name); the rest go.
    same.sort(key=lambda e: (e["modified_epoch"], len(e["path"]), e["path"]))
    print(f"Keeping {same[0]['path']}")
    for extra in same[1:]:
        files.delete(extra["path"])  # kept in Errand's holding area: undo brings it back
        removed.append(extra["path"])
        freed += extra["size"]
        print(f"  same content: {extra['path']}")
result = {"removed": removed, "freed_bytes": freed}
