from collections.abc import Sequence

AVAILABLE: int

def rename_files(folder_fd: int, moves: Sequence[tuple[bytes, bytes, int, int, int, int]],
                 /) -> list[tuple[int, int | None]]: ...

def unrename_files(folder_fd: int, moves: Sequence[tuple[bytes, bytes, int, int, int, int]
                                                   | tuple[bytes, bytes, int, int, int, int, int, int]],
                   /) -> int: ...
