/* Results: their errors in one line, their values wiped, binary numbers. */
#include "config.h"

#include <string.h>

#include "pg.h"

/* "postgresql: WHAT: WHY", WHY the first line of the server's message.
 * A data exception's message may quote the offending bytes of a
 * parameter: only its SQLSTATE is told. */
enum ms_status ms_pg_fail(PGconn *conn, const PGresult *res,
			  const char *what, struct ms_error *err)
{
	const char *state =
		res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *why =
		res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	if (state && strcmp(state, "42P01") == 0)
		return ms_pg_schema_hint(NULL, -1, err);
	if (state && strncmp(state, "22", 2) == 0)
		return ms_fail(err, MS_SYSTEM,
			       "postgresql: %s: invalid data (SQLSTATE %s)",
			       what, state);
	if (!why || !*why)
		why = res ? PQresultErrorMessage(res) : NULL;
	if (!why || !*why)
		why = conn ? PQerrorMessage(conn) : NULL;
	if (!why || !*why)
		why = "no result from the server";
	return ms_fail(err, MS_SYSTEM, "postgresql: %s: %.*s", what,
		       (int)strcspn(why, "\n"), why);
}

void ms_pg_clear_wiped(PGresult *res)
{
	if (!res)
		return;
	for (int row = 0; row < PQntuples(res); row++)
		for (int col = 0; col < PQnfields(res); col++)
			explicit_bzero(PQgetvalue(res, row, col),
				       (size_t)PQgetlength(res, row, col));
	PQclear(res);
}

int64_t ms_pg_int8(const PGresult *res, int row, int col)
{
	const unsigned char *bytes =
		(const unsigned char *)PQgetvalue(res, row, col);
	uint64_t value = 0;

	if (PQgetisnull(res, row, col) || PQgetlength(res, row, col) != 8)
		return 0;
	for (int i = 0; i < 8; i++)
		value = value << 8 | bytes[i];
	return (int64_t)value;
}

void ms_pg_put_int8(char out[8], int64_t value)
{
	uint64_t bits = (uint64_t)value;

	for (int i = 7; i >= 0; i--) {
		out[i] = (char)(bits & 0xff);
		bits >>= 8;
	}
}
