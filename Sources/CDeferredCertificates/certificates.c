/*
 * libgit2 built with mbedTLS (Debian's libgit2 1.5) loads the system's CA bundle in
 * git_libgit2_init: mbedtls_x509_crt_parse_file on /etc/ssl/certs/ca-certificates.crt, every
 * certificate decoded and parsed, 10-20 ms on this machine, in every folio command, though only
 * `folio sync` over https ever checks a server's certificate.
 *
 * This file defines mbedtls_x509_crt_parse_file in the executable, which libgit2's call resolves
 * to (the executable's symbols come first in the dynamic linker's search; folio's are exported).
 * While folio_defer_certificates(1) is on (around git_libgit2_init only), the call records the
 * chain and the path and returns success; folio_load_deferred_certificates, called before any
 * remote operation, parses that file into that chain with mbedTLS's own function (the next
 * definition, dlsym RTLD_NEXT). libgit2 keeps a pointer to the chain in its TLS configuration,
 * so certificates parsed into it later are the ones a connection trusts. Every other call goes
 * straight to mbedTLS. Without mbedTLS (libgit2 built with OpenSSL) nothing calls this function.
 */
#define _GNU_SOURCE
#include "deferred_certificates.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* MBEDTLS_ERR_X509_FILE_IO_ERROR: what mbedTLS returns for a file it cannot read. */
#define FILE_IO_ERROR (-0x2900)

typedef int (*parse_file_function)(void *chain, const char *path);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int deferring = 0;
static void *recorded_chain = NULL;
static char *recorded_path = NULL;
static int parsed = 0;

static parse_file_function mbedtls_parse_file(void) {
    return (parse_file_function)dlsym(RTLD_NEXT, "mbedtls_x509_crt_parse_file");
}

int mbedtls_x509_crt_parse_file(void *chain, const char *path) {
    pthread_mutex_lock(&lock);
    if (deferring && recorded_chain == NULL && !parsed && path != NULL) {
        char *copy = strdup(path);
        if (copy != NULL) {
            recorded_chain = chain;
            recorded_path = copy;
            pthread_mutex_unlock(&lock);
            return 0;
        }
    }
    pthread_mutex_unlock(&lock);
    parse_file_function parse = mbedtls_parse_file();
    return parse != NULL ? parse(chain, path) : FILE_IO_ERROR;
}

void folio_defer_certificates(int on) {
    pthread_mutex_lock(&lock);
    deferring = on;
    pthread_mutex_unlock(&lock);
}

int folio_load_deferred_certificates(void) {
    pthread_mutex_lock(&lock);
    int result = 0;
    if (recorded_chain != NULL) {
        parse_file_function parse = mbedtls_parse_file();
        result = parse != NULL ? parse(recorded_chain, recorded_path) : FILE_IO_ERROR;
        free(recorded_path);
        recorded_chain = NULL;
        recorded_path = NULL;
        parsed = 1;
    }
    pthread_mutex_unlock(&lock);
    return result;
}

int folio_deferred_certificates_state(void) {
    pthread_mutex_lock(&lock);
    int state = recorded_chain != NULL ? 1 : (parsed ? 2 : 0);
    pthread_mutex_unlock(&lock);
    return state;
}
