// malloc_trim(3): glibc's malloc gives free heap pages back to the kernel. Glibc's Swift module leaves it out.
#include <malloc.h>
