// adjtimex(2): whether the kernel considers the wall clock synchronised. Glibc's Swift module leaves it out.
#include <sys/timex.h>
