// libgpiod 1.6.x (Debian bookworm's libgpiod-dev): the v1 C API. HoistWatchBoard wraps it once
// (Sources/HoistWatchBoard/Gpiod); nothing else imports this module except the fake of HoistWatchBoardTestKit.
#include <gpiod.h>
