/* Files of two fixed-size slots, each with a format version, a sequence
 * number and a checksum (state_dir/MAILBOX.state, MAILBOX.apps): a write
 * goes to the older slot with pwrite, so that a torn write leaves the
 * other slot valid and no new inode is made per login. The slots' layout
 * is the caller's; how they are read, chosen and written is this. */
#ifndef MAILSEC_SLOTS_H
#define MAILSEC_SLOTS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

/* TORN: no magic or a bad checksum (never written, torn, tampered with). */
enum ms_slot_kind { MS_SLOT_TORN, MS_SLOT_VALID, MS_SLOT_UNKNOWN_VERSION };

/* Judges one slot of the caller's layout: its version (when the magic
 * and checksum hold) and its sequence number. */
typedef enum ms_slot_kind ms_slot_check_fn(const unsigned char *slot,
					   uint32_t *version, uint64_t *seq);

/* Reads both slots, 2 * `size` bytes, into `both` (a short file reads as
 * zero past its end). MS_OK with *newest the valid slot of the higher
 * sequence number, or -1 for the fresh state: neither valid and slot 0 as
 * made (zero), so that nothing but the first write (seq 1, to slot 1)
 * ever happened, or it tore. Anything else was tampered with (one write
 * can only ever tear one slot): MS_INVALID, "corrupt WHAT". A version the
 * caller does not know fails closed: MS_INVALID, never a guess. */
enum ms_status ms_slots_read(int fd, const char *shown, const char *what,
			     size_t size, unsigned char *both,
			     ms_slot_check_fn *check, int *newest,
			     struct ms_error *err);

/* Writes `slot` as the slot of sequence number `seq`: the older one. */
enum ms_status ms_slots_write(int fd, const char *shown,
			      const unsigned char *slot, size_t size,
			      uint64_t seq, struct ms_error *err);

/* Opens state_dir/FILE read-write, made 0600 when missing; never through
 * a symbolic link, and refused unless ms_fd_check takes it. Its path for
 * messages into `shown`. */
enum ms_status ms_slots_open_rw(const struct ms_store *store,
				const char *file, char shown[MS_SHOWN_MAX],
				int *fd, struct ms_error *err);

/* As ms_slots_open_rw for a file of mailbox `name`, but made only while
 * the mailbox's record exists: a login decided after its mailbox was
 * removed leaves no file behind. MS_NOT_FOUND when neither is there. */
enum ms_status ms_slots_open_rw_of(const struct ms_store *store,
				   const char *name, const char *file,
				   char shown[MS_SHOWN_MAX], int *fd,
				   struct ms_error *err);

#endif
