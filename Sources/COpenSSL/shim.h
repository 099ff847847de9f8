// Only the digest API: the calibration file's SHA-256 in the birth status. libcrypto is already loaded
// for libmosquitto's TLS, so this costs no extra library on the board.
#include <openssl/evp.h>
