/* QR code output of an otpauth URI: terminal (UTF-8 half blocks or ANSI
 * colours), PNG or SVG file. Encoding is libqrencode's. */
#ifndef MAILSECCTL_QR_H
#define MAILSECCTL_QR_H

#include <stdio.h>

#include "error.h"

/* spec: "utf8" | "ansi" | "none" | "png:FILE" | "svg:FILE".
 * Whether a spec is well-formed, without doing anything (MS_USAGE if not). */
enum ms_status qr_spec_check(const char *spec, struct ms_error *err);

/* For png:FILE and svg:FILE, whether a file can be made beside FILE (a
 * temp file made and removed): run before anything is saved, so that a bad
 * destination fails the command with nothing changed. */
enum ms_status qr_file_probe(const char *spec, struct ms_error *err);

/* Renders `text` as the spec says: terminal forms go to `terminal`, file
 * forms are written to FILE (0600: it holds the secret; replaced atomically).
 * MS_SYSTEM on I/O errors, MS_INVALID if the text cannot be encoded. */
enum ms_status qr_render(const char *text, const char *spec, FILE *terminal,
			 struct ms_error *err);

/* The SVG document of svg:FILE as a new string in *svg, for JSON output
 * where no file may be written (mailsecctl self). The picture holds the
 * secret: the caller frees it with ms_free_secret. */
enum ms_status qr_svg_string(const char *text, char **svg,
			     struct ms_error *err);

#endif
