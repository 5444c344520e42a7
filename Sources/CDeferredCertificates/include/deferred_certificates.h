#ifndef FOLIO_DEFERRED_CERTIFICATES_H
#define FOLIO_DEFERRED_CERTIFICATES_H

/* The system's CA certificates, which libgit2 built with mbedTLS (Debian's) parses whole inside
   git_libgit2_init (about 140 certificates, 10-20 ms here: as much as the rest of a warm status),
   are parsed when a command first talks to a remote instead. See certificates.c. */

/* While on, libgit2's loading of a certificate file is recorded and not done. */
void folio_defer_certificates(int on);

/* Parses the certificate file whose loading was recorded, if any (once): what mbedTLS's
   mbedtls_x509_crt_parse_file returned (0: every certificate read), or 0 when none was recorded
   or it was already parsed. */
int folio_load_deferred_certificates(void);

/* 0: nothing recorded; 1: a file recorded and not yet parsed; 2: parsed. */
int folio_deferred_certificates_state(void);

#endif
