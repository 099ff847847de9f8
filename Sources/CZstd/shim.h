// Zstandard (libzstd, Debian's libzstd-dev): the flight records' compression (HoistWatchAgent's `Zstd`).
#include <zstd.h>
