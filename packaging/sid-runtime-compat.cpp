// Linked into a binary built with Debian sid's swiftlang against an older release's C libraries (make deb
// ARCH=arm64; packaging/README.md, "Other architectures and releases"). sid's prebuilt static Swift runtime
// (libswiftCore, CoreFoundation, dispatch, ICU) was compiled against glibc 2.43 and libstdc++ 15 headers, so it
// calls what bookworm's glibc 2.36 and libstdc++ 12 do not have. Each definition here is the older library's own
// function under the newer name; without them the link fails, and with glibc 2.38's versions the binary would not
// start on bookworm.
#include <cstdarg>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ios>

extern "C" {

// glibc 2.38 gave C23's strtol family and sscanf (which also read 0b binary literals) these names; the runtime
// parses environment variables, /proc files and locale data with them, none written in binary.
long __isoc23_strtol(const char *text, char **end, int base) { return strtol(text, end, base); }
long long __isoc23_strtoll(const char *text, char **end, int base) { return strtoll(text, end, base); }
unsigned long __isoc23_strtoul(const char *text, char **end, int base) { return strtoul(text, end, base); }
unsigned long long __isoc23_strtoull(const char *text, char **end, int base) { return strtoull(text, end, base); }

int __isoc23_sscanf(const char *text, const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    int converted = vsscanf(text, format, arguments);
    va_end(arguments);
    return converted;
}

// glibc 2.38 added the BSD functions; the same contract: copy or append within size bytes, always terminated
// (for size > 0), and return the length the whole result would have had.
size_t strlcpy(char *destination, const char *source, size_t size) {
    size_t length = strlen(source);
    if (size > 0) {
        size_t copied = length < size - 1 ? length : size - 1;
        memcpy(destination, source, copied);
        destination[copied] = '\0';
    }
    return length;
}

size_t strlcat(char *destination, const char *source, size_t size) {
    size_t existing = strnlen(destination, size);
    if (existing == size) return size + strlen(source);
    return existing + strlcpy(destination + existing, source, size - existing);
}

}  // extern "C"

// libstdc++ 13 initialises the standard streams inside the library and has code compiled with its <iostream> refer
// to this symbol to make sure the library is new enough. libstdc++ 12 leaves that to each translation unit that
// includes <iostream>: this one does it for the runtime's.
namespace std {
void ios_base_library_init() {}
}
static std::ios_base::Init standardStreams;
