#ifndef FOLIO_CLIBGIT2_SHIM_H
#define FOLIO_CLIBGIT2_SHIM_H
#define GIT_DEPRECATE_HARD
#include <git2.h>
#endif
