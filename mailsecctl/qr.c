/* QR code of an otpauth URI (see qr.h); libqrencode does the encoding.
 * The symbol carries a TOTP secret: the text never appears in a message,
 * and the module matrix and pixel rows are wiped before they are freed. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <png.h>
#include <qrencode.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qr.h"
#include "secure.h"

#define QUIET 4     /* light modules all round the symbol (ISO/IEC 18004) */
#define PNG_SCALE 8 /* pixels a module */
/* At 1 bit a pixel, a module is then one byte of a PNG row. */
_Static_assert(PNG_SCALE == 8, "png_emit writes one byte a module");

enum qr_form { QR_BAD, QR_NONE, QR_UTF8, QR_ANSI, QR_PNG, QR_SVG };

/* The form `spec` names, and for file forms its FILE (never empty). */
static enum qr_form parse_spec(const char *spec, const char **file)
{
	*file = NULL;
	if (!spec)
		return QR_BAD;
	if (strcmp(spec, "none") == 0)
		return QR_NONE;
	if (strcmp(spec, "utf8") == 0)
		return QR_UTF8;
	if (strcmp(spec, "ansi") == 0)
		return QR_ANSI;
	if ((strncmp(spec, "png:", 4) == 0 || strncmp(spec, "svg:", 4) == 0) &&
	    spec[4] != '\0') {
		*file = spec + 4;
		return spec[0] == 'p' ? QR_PNG : QR_SVG;
	}
	return QR_BAD;
}

enum ms_status qr_spec_check(const char *spec, struct ms_error *err)
{
	const char *file;

	if (parse_spec(spec, &file) == QR_BAD)
		return ms_fail(err, MS_USAGE,
			       "--qr: expected utf8, ansi, none, png:FILE or svg:FILE");
	return MS_OK;
}

/* A new temp file beside `path` (mkstemp): its descriptor, its name in
 * `tmp`; -1 with err set when none can be made. */
static int temp_beside(const char *path, char tmp[PATH_MAX],
		       struct ms_error *err)
{
	int fd = -1;

	if (snprintf(tmp, PATH_MAX, "%s.XXXXXX", path) >= PATH_MAX)
		ms_fail_errno(err, MS_SYSTEM, ENAMETOOLONG, "cannot write %s",
			      path);
	else if ((fd = mkstemp(tmp)) < 0)
		ms_fail_errno(err, MS_SYSTEM, errno, "cannot write %s", path);
	return fd;
}

enum ms_status qr_file_probe(const char *spec, struct ms_error *err)
{
	char tmp[PATH_MAX];
	const char *file;
	enum qr_form form = parse_spec(spec, &file);
	struct stat st;
	int fd;

	if (form != QR_PNG && form != QR_SVG)
		return MS_OK;
	if (stat(file, &st) == 0 && S_ISDIR(st.st_mode))
		return ms_fail(err, MS_SYSTEM, "cannot write %s: is a directory",
			       file);
	fd = temp_beside(file, tmp, err);
	if (fd < 0)
		return err->status;
	close(fd);
	unlink(tmp);
	return MS_OK;
}

/* Whether module (x, y) is dark; the quiet zone around the symbol is light. */
static int dark(const QRcode *qr, int x, int y)
{
	if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
		return 0;
	return qr->data[y * qr->width + x] & 1;
}

/* Two module rows a line. Light modules are drawn and dark ones left blank
 * (inverted, as `qrencode -t UTF8` does): the code then scans on the usual
 * light-on-dark terminal. On a dark-on-light terminal use --qr ansi. */
static void print_utf8(const QRcode *qr, FILE *out)
{
	/* index: top dark * 2 + bottom dark */
	static const char *const cell[4] = { "\u2588", "\u2580", "\u2584", " " };

	for (int y = -QUIET; y < qr->width + QUIET; y += 2) {
		for (int x = -QUIET; x < qr->width + QUIET; x++)
			fputs(cell[dark(qr, x, y) * 2 + dark(qr, x, y + 1)], out);
		fputc('\n', out);
	}
}

/* Background colours, two spaces a module: right on any terminal theme. */
static void print_ansi(const QRcode *qr, FILE *out)
{
	for (int y = -QUIET; y < qr->width + QUIET; y++) {
		for (int x = -QUIET; x < qr->width + QUIET; x++)
			fputs(dark(qr, x, y) ? "\033[40m  " : "\033[47m  ", out);
		fputs("\033[0m\n", out);
	}
}

/* The dark runs of row y, as unit-high rectangles of a path. */
static void svg_row(const QRcode *qr, int y, FILE *out)
{
	for (int x = 0; x < qr->width; x++) {
		int run = 0;

		while (x + run < qr->width && dark(qr, x + run, y))
			run++;
		if (run > 0)
			fprintf(out, "M%d %dh%dv1h-%dz", x + QUIET, y + QUIET, run, run);
		x += run; /* x + run is light (or past the end) */
	}
}

/* One path, black on a white rectangle; viewBox in modules. */
static int write_svg(const QRcode *qr, FILE *out)
{
	int size = qr->width + 2 * QUIET;

	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		     "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
		     "width=\"%d\" height=\"%d\" shape-rendering=\"crispEdges\">\n"
		     "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n<path d=\"",
		     size, size, size * PNG_SCALE, size * PNG_SCALE, size, size);
	for (int y = 0; y < qr->width; y++)
		svg_row(qr, y, out);
	fputs("\" fill=\"#000\"/>\n</svg>\n", out);
	return !ferror(out);
}

/* libpng errors end in a longjmp to png_emit; the caller reports errno. */
__attribute__((noreturn))
static void png_error_jump(png_structp png, png_const_charp msg)
{
	(void)msg;
	png_longjmp(png, 1);
}

static void png_warning_ignore(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

/* The libpng calls, 1-bit grey. 0 when libpng failed. Nothing set here is
 * read after the longjmp, so nothing needs to be volatile. */
static int png_emit(png_structp png, png_infop info, const QRcode *qr,
		    png_bytep row, FILE *out)
{
	int modules = qr->width + 2 * QUIET;
	png_uint_32 size = (png_uint_32)modules * PNG_SCALE;

	if (setjmp(png_jmpbuf(png)))
		return 0;
	png_init_io(png, out);
	png_set_IHDR(png, info, size, size, 1, PNG_COLOR_TYPE_GRAY,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
		     PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (int y = 0; y < modules; y++) {
		for (int x = 0; x < modules; x++)
			row[x] = dark(qr, x - QUIET, y - QUIET) ? 0x00 : 0xff;
		for (int i = 0; i < PNG_SCALE; i++)
			png_write_row(png, row);
	}
	png_write_end(png, info);
	return 1;
}

static int write_png(const QRcode *qr, FILE *out)
{
	size_t row_len = (size_t)(qr->width + 2 * QUIET);
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL,
						  png_error_jump,
						  png_warning_ignore);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	png_bytep row = malloc(row_len);
	int ok = png && info && row && png_emit(png, info, qr, row, out);

	if (png)
		png_destroy_write_struct(&png, info ? &info : NULL);
	ms_wipe(row, row_len);
	free(row);
	return ok;
}

/* Fills the new temp file `fd` (closed here). 0 with errno set on failure. */
static int fill_temp(const QRcode *qr, enum qr_form form, int fd)
{
	FILE *out = NULL;
	int ok, saved;

	errno = 0;
	ok = fchmod(fd, 0600) == 0 && (out = fdopen(fd, "w")) != NULL;
	ok = ok && (form == QR_PNG ? write_png(qr, out) : write_svg(qr, out));
	ok = ok && fflush(out) == 0 && fsync(fd) == 0;
	saved = errno;
	if ((out ? fclose(out) : close(fd)) != 0 && ok) {
		ok = 0;
		saved = errno;
	}
	errno = saved ? saved : EIO;
	return ok;
}

/* fsync of the directory holding `path`, so the rename outlives a crash. */
static enum ms_status sync_dir(const char *path, struct ms_error *err)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX] = ".";
	int fd, ok, saved;

	if (slash)
		snprintf(dir, sizeof(dir), "%.*s",
			 slash == path ? 1 : (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ok = fd >= 0 && (fsync(fd) == 0 || errno == EINVAL);
	saved = errno;
	if (fd >= 0)
		close(fd);
	if (!ok)
		return ms_fail_errno(err, MS_SYSTEM, saved, "cannot write %s", path);
	return MS_OK;
}

/* A temp file beside `path` (mkstemp), filled, then renamed over `path`. */
static enum ms_status write_file(const QRcode *qr, enum qr_form form,
				 const char *path, struct ms_error *err)
{
	char tmp[PATH_MAX];
	int fd = temp_beside(path, tmp, err);

	if (fd < 0)
		return err->status;
	if (!fill_temp(qr, form, fd) || rename(tmp, path) != 0) {
		ms_fail_errno(err, MS_SYSTEM, errno, "cannot write %s", path);
		unlink(tmp);
		return MS_SYSTEM;
	}
	return sync_dir(path, err);
}

static enum ms_status print_terminal(const QRcode *qr, enum qr_form form,
				     FILE *out, struct ms_error *err)
{
	errno = 0;
	if (form == QR_UTF8)
		print_utf8(qr, out);
	else
		print_ansi(qr, out);
	if (fflush(out) != 0 || ferror(out))
		return ms_fail_errno(err, MS_SYSTEM, errno ? errno : EIO,
				     "cannot write the QR code");
	return MS_OK;
}

static QRcode *encode(const char *text, struct ms_error *err)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);

	if (!qr)
		ms_fail_errno(err, errno == ENOMEM ? MS_SYSTEM : MS_INVALID,
			      errno, "cannot encode the URI as a QR code");
	return qr;
}

static void encoded_free(QRcode *qr)
{
	ms_wipe(qr->data, (size_t)qr->width * (size_t)qr->width);
	QRcode_free(qr);
}

enum ms_status qr_render(const char *text, const char *spec, FILE *terminal,
			 struct ms_error *err)
{
	const char *file;
	enum qr_form form = parse_spec(spec, &file);
	enum ms_status status;
	QRcode *qr;

	if (form == QR_BAD)
		return qr_spec_check(spec, err);
	if (form == QR_NONE)
		return MS_OK;
	qr = encode(text, err);
	if (!qr)
		return err->status;
	if (form == QR_UTF8 || form == QR_ANSI)
		status = print_terminal(qr, form, terminal, err);
	else
		status = write_file(qr, form, file, err);
	encoded_free(qr);
	return status;
}

/* A stdio stream into a buffer of known size; without a buffer it only
 * counts. */
struct sink {
	char *buf;
	size_t len, cap;
};

static ssize_t sink_write(void *cookie, const char *data, size_t size)
{
	struct sink *sink = cookie;

	if (sink->buf) {
		if (size > sink->cap - sink->len)
			return 0; /* cannot happen: the count came first */
		memcpy(sink->buf + sink->len, data, size);
	}
	sink->len += size;
	return (ssize_t)size;
}

/* Unbuffered, so that no stdio buffer keeps a copy of the picture, and
 * into memory we allocated ourselves (open_memstream's reallocations would
 * leave copies in freed memory). */
static int svg_to_sink(const QRcode *qr, struct sink *sink)
{
	cookie_io_functions_t io = { .write = sink_write };
	FILE *out = fopencookie(sink, "w", io);
	int ok;

	if (!out)
		return 0;
	setvbuf(out, NULL, _IONBF, 0);
	ok = write_svg(qr, out);
	return fclose(out) == 0 && ok;
}

/* Counts, allocates, writes. */
static enum ms_status svg_string(const QRcode *qr, char **svg,
				 struct ms_error *err)
{
	struct sink sink = { 0 };

	if (!svg_to_sink(qr, &sink))
		return ms_fail(err, MS_SYSTEM, "cannot draw the QR code");
	sink.cap = sink.len;
	sink.len = 0;
	sink.buf = malloc(sink.cap + 1);
	if (!sink.buf || !svg_to_sink(qr, &sink) || sink.len != sink.cap) {
		if (sink.buf)
			ms_wipe(sink.buf, sink.cap);
		free(sink.buf);
		return ms_fail(err, MS_SYSTEM, "cannot draw the QR code");
	}
	sink.buf[sink.len] = '\0';
	*svg = sink.buf;
	return MS_OK;
}

enum ms_status qr_svg_string(const char *text, char **svg,
			     struct ms_error *err)
{
	enum ms_status status;
	QRcode *qr = encode(text, err);

	*svg = NULL;
	if (!qr)
		return err->status;
	status = svg_string(qr, svg, err);
	encoded_free(qr);
	return status;
}
