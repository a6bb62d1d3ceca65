#ifndef MOHUR_CP11KIT_SHIM_H
#define MOHUR_CP11KIT_SHIM_H
#include <p11-kit/p11-kit.h>
#include <p11-kit/pkcs11.h>
#endif
