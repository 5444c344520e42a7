#ifndef FOLIO_CLIBGIT2_SHIM_H
#define FOLIO_CLIBGIT2_SHIM_H
#define GIT_DEPRECATE_HARD
#include <git2.h>
/* git_repository_set_index: to drop an index libgit2 could not read (Repository.forgetIndex). */
#include <git2/sys/repository.h>

/* The checksum libgit2 read or wrote the index with (the SHA-1 its file ends with, checked on
   reading), which IndexTreeMemo keys on: declared here because GIT_DEPRECATE_HARD hides it
   (libgit2 marks it deprecated "with no replacement"; still exported by 1.5 and after). */
GIT_EXTERN(const git_oid *) git_index_checksum(git_index *index);

/* git_libgit2_opts is variadic and cannot be called from Swift: the few settings folio needs. */

/* Objects of `type` up to `bytes` stay in libgit2's object cache (libgit2 caches trees only up
   to 4 KB by default, so a year folder's tree of hundreds of cases was parsed on every lookup). */
static inline int folio_set_cache_object_limit(git_object_t type, size_t bytes) {
    return git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, type, bytes);
}

/* The object cache's total size. */
static inline int folio_set_cache_max_size(ssize_t bytes) {
    return git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, bytes);
}

/* How much of the pack files libgit2 keeps mapped at once, and in windows of what size. */
static inline int folio_set_mwindow_limits(size_t window, size_t mapped) {
    int rc = git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, window);
    return rc < 0 ? rc : git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, mapped);
}

/* Where libgit2 looks for the configuration file of `level` (global, XDG, system). */
static inline int folio_set_config_search_path(git_config_level_t level, const char *path) {
    return git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, level, path);
}

/* Whether reading an object hashes it again to check its id (libgit2's default; git does not). */
static inline int folio_set_strict_hash_verification(int enabled) {
    return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, enabled);
}
#endif
