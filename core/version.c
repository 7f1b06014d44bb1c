/* core/version.c - the library version string. */
#include "zoo/zoo.h"

const char *zoo_version(void) {
    return ZOO_VERSION_STRING;
}
