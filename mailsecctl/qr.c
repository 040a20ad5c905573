#include "config.h"

#include <errno.h>
#include <limits.h>
#include <png.h>
#include <qrencode.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qr.h"
#include "secure.h"

#define QUIET 4      /* modules of light border, as the standard asks */
#define PNG_SCALE 8  /* pixels a module */

enum qr_form { QR_NONE, QR_UTF8, QR_ANSI, QR_PNG, QR_SVG };

static enum qr_form parse_spec(const char *spec, const char **file)
{
	*file = NULL;
	if (strcmp(spec, "none") == 0)
		return QR_NONE;
	if (strcmp(spec, "utf8") == 0)
		return QR_UTF8;
	if (strcmp(spec, "ansi") == 0)
		return QR_ANSI;
	if (strncmp(spec, "png:", 4) == 0 && spec[4]) {
		*file = spec + 4;
		return QR_PNG;
	}
	if (strncmp(spec, "svg:", 4) == 0 && spec[4]) {
		*file = spec + 4;
		return QR_SVG;
	}
	return -1;
}

enum ms_status qr_spec_check(const char *spec, struct ms_error *err)
{
	const char *file;

	if ((int)parse_spec(spec, &file) < 0)
		return ms_fail(err, MS_USAGE,
			       "--qr: expected utf8, ansi, none, png:FILE or svg:FILE");
	return MS_OK;
}

/* Whether module (x, y) is dark; the quiet zone around the symbol is light. */
static int dark(const QRcode *qr, int x, int y)
{
	if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
		return 0;
	return qr->data[y * qr->width + x] & 1;
}

/* Light modules are drawn and dark ones left blank, so the code reads
 * right on the usual dark terminal background (as qrencode -t UTF8). */
static void print_utf8(const QRcode *qr, FILE *out)
{
	static const char *const cell[4] = { "\u2588", "\u2580", "\u2584", " " };

	for (int y = -QUIET; y < qr->width + QUIET; y += 2) {
		for (int x = -QUIET; x < qr->width + QUIET; x++)
			fputs(cell[dark(qr, x, y) * 2 + dark(qr, x, y + 1)], out);
		fputc('\n', out);
	}
}

static void print_ansi(const QRcode *qr, FILE *out)
{
	for (int y = -QUIET; y < qr->width + QUIET; y++) {
		for (int x = -QUIET; x < qr->width + QUIET; x++)
			fputs(dark(qr, x, y) ? "\033[40m  " : "\033[47m  ", out);
		fputs("\033[0m\n", out);
	}
}

static void write_svg(const QRcode *qr, FILE *out)
{
	int size = qr->width + 2 * QUIET;

	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		     "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
		     "width=\"%d\" height=\"%d\" shape-rendering=\"crispEdges\">\n"
		     "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n<path d=\"",
		     size, size, size * PNG_SCALE, size * PNG_SCALE, size, size);
	for (int y = 0; y < qr->width; y++)
		for (int x = 0; x < qr->width; x++)
			if (dark(qr, x, y))
				fprintf(out, "M%d %dh1v1h-1z", x + QUIET, y + QUIET);
	fputs("\" fill=\"#000\"/>\n</svg>\n", out);
}

static int write_png(const QRcode *qr, FILE *out)
{
	int size = (qr->width + 2 * QUIET) * PNG_SCALE;
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL,
						  NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	png_bytep row = calloc((size_t)size, 1);
	int ok = 0;

	if (!png || !info || !row || setjmp(png_jmpbuf(png)))
		goto done;
	png_init_io(png, out);
	png_set_IHDR(png, info, (png_uint_32)size, (png_uint_32)size, 8,
		     PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (int y = 0; y < size; y++) {
		for (int x = 0; x < size; x++)
			row[x] = dark(qr, x / PNG_SCALE - QUIET,
				      y / PNG_SCALE - QUIET) ? 0 : 255;
		png_write_row(png, row);
	}
	png_write_end(png, info);
	ok = 1;
done:
	png_destroy_write_struct(png ? &png : NULL, info ? &info : NULL);
	free(row);
	return ok;
}

/* Writes the picture to a temp file beside `path`, then renames it over. */
static enum ms_status write_file(const QRcode *qr, enum qr_form form,
				 const char *path, struct ms_error *err)
{
	char tmp[PATH_MAX];
	FILE *out = NULL;
	int fd, ok;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return ms_fail(err, MS_SYSTEM, "cannot write %s: path too long", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return ms_fail_errno(err, MS_SYSTEM, errno, "cannot write %s", path);
	ok = fchmod(fd, 0644) == 0 && (out = fdopen(fd, "w")) != NULL;
	if (ok && form == QR_PNG)
		ok = write_png(qr, out);
	else if (ok)
		write_svg(qr, out);
	ok = ok && fflush(out) == 0 && !ferror(out) && fsync(fd) == 0;
	if (out ? fclose(out) != 0 : close(fd) != 0)
		ok = 0;
	if (ok && rename(tmp, path) == 0)
		return MS_OK;
	ms_fail_errno(err, MS_SYSTEM, errno ? errno : EIO, "cannot write %s", path);
	unlink(tmp);
	return MS_SYSTEM;
}

enum ms_status qr_render(const char *text, const char *spec, FILE *terminal,
			 struct ms_error *err)
{
	const char *file;
	enum qr_form form = parse_spec(spec, &file);
	enum ms_status status = MS_OK;
	QRcode *qr;

	if ((int)form < 0)
		return qr_spec_check(spec, err);
	if (form == QR_NONE)
		return MS_OK;
	qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!qr)
		return ms_fail_errno(err, MS_INVALID, errno,
				     "cannot encode the URI as a QR code");
	if (form == QR_UTF8)
		print_utf8(qr, terminal);
	else if (form == QR_ANSI)
		print_ansi(qr, terminal);
	else
		status = write_file(qr, form, file, err);
	/* The symbol encodes the secret. */
	ms_wipe(qr->data, (size_t)qr->width * (size_t)qr->width);
	QRcode_free(qr);
	return status;
}
