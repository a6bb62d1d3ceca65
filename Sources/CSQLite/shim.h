#ifndef MOHUR_CSQLITE_SHIM_H
#define MOHUR_CSQLITE_SHIM_H
#include <sqlite3.h>
#endif
