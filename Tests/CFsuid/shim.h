// setfsuid(2), setfsgid(2): the user and group the kernel checks one thread's file accesses against. Glibc's Swift
// module leaves <sys/fsuid.h> out.
#include <sys/fsuid.h>
