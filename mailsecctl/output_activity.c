/* The activity journal as mailsecctl prints it: activity's array or table,
 * show's last logins. The words are the library's (journal.h). */
#include "config.h"

#include <stdio.h>

#include "journal.h"
#include "log.h"
#include "output.h"

enum column { TIME, FROM, SERVICE, ROLE, RESULT, HOW, COUNT, N_COLUMNS };

static const char *const headings[N_COLUMNS] = {
	"TIME", "FROM", "SERVICE", "ROLE", "RESULT", "HOW/WHY", "COUNT",
};

/* One entry as the text table shows it. */
struct row {
	char time[MS_ISO_TIME_MAX];
	char how[64 + MS_APP_NAME_MAX];
	char count[16];
	const char *cells[N_COLUMNS];
};

static const char *detail_name(const struct ms_journal_entry *entry)
{
	const char *name = ms_journal_detail_name(entry->detail);

	return name ? name : "?";
}

static void make_row(const struct ms_journal_entry *entry, struct row *row)
{
	snprintf(row->how, sizeof(row->how), "%s%s%s", detail_name(entry),
		 entry->app[0] ? " " : "", entry->app);
	snprintf(row->count, sizeof(row->count), "%lu",
		 (unsigned long)entry->count);
	row->cells[TIME] = ms_iso_time(entry->time, row->time);
	row->cells[FROM] = entry->rhost[0] ? entry->rhost : "-";
	row->cells[SERVICE] = entry->service;
	row->cells[ROLE] = ms_role_name(entry->role);
	row->cells[RESULT] = ms_journal_result_name(entry->result);
	row->cells[HOW] = row->how;
	row->cells[COUNT] = row->count;
}

/* Columns on a terminal: UTF-8 continuation bytes take none (an app
 * password's name may be UTF-8). */
static int text_width(const char *text)
{
	int width = 0;

	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		width += (*p & 0xc0) != 0x80;
	return width;
}

static void print_cells(const char *const cells[N_COLUMNS],
			const int widths[N_COLUMNS])
{
	for (int i = 0; i < N_COLUMNS - 1; i++)
		printf("%s%*s  ", cells[i], widths[i] - text_width(cells[i]), "");
	printf("%s\n", cells[N_COLUMNS - 1]);
}

static bool shown(const struct ms_journal_entry *entry, int64_t since)
{
	return entry->time >= since;
}

static void print_table(const struct ms_journal_entry *entries,
			unsigned count, int64_t since)
{
	int widths[N_COLUMNS];
	struct row row;
	unsigned rows = 0;

	for (int i = 0; i < N_COLUMNS; i++)
		widths[i] = text_width(headings[i]);
	for (unsigned e = 0; e < count; e++) {
		if (!shown(&entries[e], since))
			continue;
		make_row(&entries[e], &row);
		for (int i = 0; i < N_COLUMNS; i++)
			if (text_width(row.cells[i]) > widths[i])
				widths[i] = text_width(row.cells[i]);
		rows++;
	}
	if (rows == 0) {
		printf("no activity recorded\n");
		return;
	}
	print_cells(headings, widths);
	for (unsigned e = 0; e < count; e++) {
		if (!shown(&entries[e], since))
			continue;
		make_row(&entries[e], &row);
		print_cells(row.cells, widths);
	}
}

static void out_time(const char *key, int64_t when)
{
	char text[MS_ISO_TIME_MAX];

	out_string(key, key, ms_iso_time(when, text));
}

static void out_entry(const struct ms_journal_entry *entry)
{
	out_object_begin(false);
	out_time("time", entry->time);
	out_time("first", entry->first);
	out_uint("count", "count", entry->count);
	out_string("service", "service", entry->service);
	out_string("role", "role", ms_role_name(entry->role));
	out_string_or_null("rhost", "rhost",
			   entry->rhost[0] ? entry->rhost : NULL, "-");
	out_string("result", "result", ms_journal_result_name(entry->result));
	out_string("detail", "detail", detail_name(entry));
	out_string_or_null("app", "app", entry->app[0] ? entry->app : NULL,
			   "-");
	out_object_end();
}

void out_activity(const struct ms_journal_entry *entries, unsigned count,
		  int64_t since)
{
	if (!out_is_json()) {
		print_table(entries, count, since);
		return;
	}
	out_list_begin();
	for (unsigned i = 0; i < count; i++)
		if (shown(&entries[i], since))
			out_entry(&entries[i]);
	out_list_end(NULL);
}

/* "TIME from RHOST (DETAIL NAME)", RHOST left out when there was none. */
static void login_line(const struct ms_journal_entry *entry, char *out,
		       size_t size)
{
	char when[MS_ISO_TIME_MAX];

	snprintf(out, size, "%s%s%s (%s%s%s)", ms_iso_time(entry->time, when),
		 entry->rhost[0] ? " from " : "", entry->rhost,
		 detail_name(entry), entry->app[0] ? " " : "", entry->app);
}

static void out_last_login(const char *key, const char *label,
			   const struct ms_journal_entry *entry,
			   const char *none_text)
{
	char line[MS_ISO_TIME_MAX + MS_JOURNAL_RHOST_MAX + MS_APP_NAME_MAX + 64];

	if (!out_is_json()) {
		if (entry)
			login_line(entry, line, sizeof(line));
		out_string(key, label, entry ? line : none_text);
		return;
	}
	if (!entry) {
		out_null(key);
		return;
	}
	out_member_object_begin(key);
	out_time("time", entry->time);
	out_string("service", NULL, entry->service);
	out_string_or_null("rhost", NULL, entry->rhost[0] ? entry->rhost : NULL,
			   NULL);
	out_string("detail", NULL, detail_name(entry));
	out_string_or_null("app", NULL, entry->app[0] ? entry->app : NULL, NULL);
	out_member_object_end();
}

void out_last_logins(const struct ms_journal_entry *entries, unsigned count,
		     const char *none_text)
{
	out_member_object_begin("last_login");
	out_last_login("webmail", "last webmail login",
		       ms_journal_last_accepted(entries, count, MS_ROLE_WEBMAIL),
		       none_text);
	out_last_login("client", "last client login",
		       ms_journal_last_accepted(entries, count, MS_ROLE_CLIENT),
		       none_text);
	out_member_object_end();
}
