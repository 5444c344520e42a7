/* What libgit2 itself costs for the reading a whole-history folio command does, without folio:
 * the walk of the first-parent line oldest first, and for each commit the diff of its tree with
 * its parent's, level by level (root, cases/, the year folder, the case folder), descending only
 * where ids differ, as git log --name-only does. With folio's settings (LibGit2.swift): no hash
 * check on read, 16 MB pack windows, 64 MB mapped, a 2 MB object cache.
 *
 *   cc -O2 -o /tmp/bench-floor scripts/bench-floor.c -lgit2
 *   /tmp/bench-floor REPO walk      revwalk only (the commits' ids)
 *   /tmp/bench-floor REPO commits   and each commit read (git_commit_lookup)
 *   /tmp/bench-floor REPO trees     and each commit's trees diffed, raw (git_odb_read)
 *   /tmp/bench-floor REPO parsed    the same through git_tree_lookup (parsed trees)
 */
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static git_repository *repo;
static git_odb *odb;
static int parsed;
static long reads;

static void diff(const git_oid *a, const git_oid *b, int depth) {
    if ((a && b && git_oid_equal(a, b)) || depth > 3) return;
    if (parsed) {
        git_tree *ta = NULL, *tb = NULL;
        if (a) { git_tree_lookup(&ta, repo, a); reads++; }
        if (b) { git_tree_lookup(&tb, repo, b); reads++; }
        size_t na = ta ? git_tree_entrycount(ta) : 0, nb = tb ? git_tree_entrycount(tb) : 0, i = 0, j = 0;
        while (i < na || j < nb) {
            const git_tree_entry *ea = i < na ? git_tree_entry_byindex(ta, i) : NULL;
            const git_tree_entry *eb = j < nb ? git_tree_entry_byindex(tb, j) : NULL;
            int c = !ea ? 1 : !eb ? -1 : strcmp(git_tree_entry_name(ea), git_tree_entry_name(eb));
            if (c == 0) {
                if (!git_oid_equal(git_tree_entry_id(ea), git_tree_entry_id(eb)) && git_tree_entry_type(ea) == GIT_OBJECT_TREE)
                    diff(git_tree_entry_id(ea), git_tree_entry_id(eb), depth + 1);
                i++; j++;
            } else if (c < 0) i++; else j++;
        }
        git_tree_free(ta);
        git_tree_free(tb);
        return;
    }
    git_odb_object *oa = NULL, *ob = NULL;
    if (a) { git_odb_read(&oa, odb, a); reads++; }
    if (b) { git_odb_read(&ob, odb, b); reads++; }
    const unsigned char *pa = oa ? git_odb_object_data(oa) : NULL, *enda = pa ? pa + git_odb_object_size(oa) : NULL;
    const unsigned char *pb = ob ? git_odb_object_data(ob) : NULL, *endb = pb ? pb + git_odb_object_size(ob) : NULL;
    /* A raw tree: "<mode> <name>\0<20-byte id>" entries, in git's order. */
    while ((pa && pa < enda) || (pb && pb < endb)) {
        const char *na = (pa && pa < enda) ? (const char *)memchr(pa, ' ', enda - pa) + 1 : NULL;
        const char *nb = (pb && pb < endb) ? (const char *)memchr(pb, ' ', endb - pb) + 1 : NULL;
        int c = !na ? 1 : !nb ? -1 : strcmp(na, nb);
        const unsigned char *ia = na ? (const unsigned char *)na + strlen(na) + 1 : NULL;
        const unsigned char *ib = nb ? (const unsigned char *)nb + strlen(nb) + 1 : NULL;
        if (c == 0) {
            if (memcmp(ia, ib, 20) && pa[0] == '4') diff((const git_oid *)ia, (const git_oid *)ib, depth + 1);
            pa = ia + 20; pb = ib + 20;
        } else if (c < 0) pa = ia + 20; else pb = ib + 20;
    }
    git_odb_object_free(oa);
    git_odb_object_free(ob);
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "uso: %s REPO walk|commits|trees|parsed\n", argv[0]); return 2; }
    const char *mode = argv[2];
    parsed = !strcmp(mode, "parsed");
    git_libgit2_init();
    git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
    git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, (size_t)16 << 20);
    git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t)64 << 20);
    git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)2 << 20);
    if (git_repository_open(&repo, argv[1]) || git_repository_odb(&odb, repo)) { fprintf(stderr, "no se pudo abrir %s\n", argv[1]); return 1; }
    git_revwalk *walk;
    git_revwalk_new(&walk, repo);
    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
    git_revwalk_simplify_first_parent(walk);
    git_revwalk_push_head(walk);
    git_oid id;
    long commits = 0;
    while (!git_revwalk_next(&id, walk)) {
        commits++;
        if (!strcmp(mode, "walk")) continue;
        git_commit *commit, *parent = NULL;
        if (git_commit_lookup(&commit, repo, &id)) return 1;
        if (strcmp(mode, "commits")) {
            if (git_commit_parentcount(commit) > 0) git_commit_parent(&parent, commit, 0);
            diff(parent ? git_commit_tree_id(parent) : NULL, git_commit_tree_id(commit), 0);
        }
        git_commit_free(parent);
        git_commit_free(commit);
    }
    printf("%ld commits, %ld trees read\n", commits, reads);
    return 0;
}
