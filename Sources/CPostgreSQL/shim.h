#ifndef MOHUR_CPOSTGRESQL_SHIM_H
#define MOHUR_CPOSTGRESQL_SHIM_H
#include <libpq-fe.h>
#endif
