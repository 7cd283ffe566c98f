// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target of the trace.dat reader driven by a structure-aware mutator: the same
 * work per input as fuzz_tracefile (its LLVMFuzzerTestOneInput, included below), but the
 * mutations follow the v7 layout (docs/file-format.md): the mutator finds the fields that
 * say where and how much (the options offset, section sizes, section offsets of the
 * options, the BUFFER option's page size, CPU count and per-CPU offsets and sizes, chunk
 * counts and chunk sizes, the DONE link) and sets one to a value a hostile file would use:
 * 0, 1, the maximum, the file size, another field's value (CPUs sharing data, sections
 * pointing at each other), a multiple.  Or it appends a zstd chunk of zeros that expands up
 * to 16 MiB and points a CPU at it.  One time in four it leaves the input to libFuzzer's
 * byte mutations.  Seeds: tests/fuzz/seeds/fuzz_tracefile/.
 */
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "fuzz_tracefile.c"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

#define MAX_FIELDS 512

struct field {
	size_t off;
	unsigned int width;	/* 4 or 8 */
};

struct layout {
	struct field f[MAX_FIELDS];
	unsigned int n;
	size_t cpu_off_field[64], cpu_size_field[64];	/* BUFFER entries, for the bomb */
	unsigned int ncpu;
	size_t fly_size_field;	/* the flyrecord section's size, 0 when unknown */
	uint64_t fly_off;
};

static uint64_t rd(const uint8_t *d, size_t size, size_t off, unsigned int w)
{
	uint64_t v = 0;

	if (size < w || off > size - w)
		return 0;
	memcpy(&v, d + off, w);	/* little endian, as the seeds */
	return v;
}

static void wr(uint8_t *d, size_t off, unsigned int w, uint64_t v)
{
	memcpy(d + off, &v, w);
}

static void add(struct layout *l, size_t size, size_t off, unsigned int w)
{
	if (l->n < MAX_FIELDS && size >= w && off <= size - w)
		l->f[l->n++] = (struct field){ off, w };
}

/* Fields of a section header at @off: its size, and a compressed one's two sizes. */
static void add_section(struct layout *l, const uint8_t *d, size_t size, uint64_t off)
{
	if (off >= size || off + 16 > size)
		return;
	add(l, size, off + 8, 8);
	if (rd(d, size, off + 2, 2) & 1) {
		add(l, size, off + 16, 4);
		add(l, size, off + 20, 4);
	}
}

/* CPU data at @off: the chunk count and the first chunks' sizes. */
static void add_chunks(struct layout *l, const uint8_t *d, size_t size, uint64_t off)
{
	uint64_t pos = off + 4;

	if (off >= size)
		return;
	add(l, size, off, 4);
	for (int i = 0; i < 4 && pos + 8 <= size; i++) {
		add(l, size, pos, 4);
		add(l, size, pos + 4, 4);
		pos += 8 + rd(d, size, pos, 4);
	}
}

static void parse_buffer(struct layout *l, const uint8_t *d, size_t size, size_t p, size_t end)
{
	const uint8_t *nul;
	uint32_t ncpu;

	add(l, size, p, 8);		/* flyrecord section offset */
	l->fly_off = rd(d, size, p, 8);
	if (l->fly_off + 16 <= size)
		l->fly_size_field = l->fly_off + 8;
	p += 8;
	for (int s = 0; s < 2; s++) {	/* name, clock */
		nul = p < end ? memchr(d + p, 0, end - p) : NULL;
		if (!nul)
			return;
		p = nul - d + 1;
	}
	add(l, size, p, 4);		/* page size */
	add(l, size, p + 4, 4);		/* CPU count */
	ncpu = rd(d, size, p + 4, 4);
	p += 8;
	for (uint32_t i = 0; i < ncpu && p + 20 <= end; i++, p += 20) {
		add(l, size, p, 4);
		add(l, size, p + 4, 8);
		add(l, size, p + 12, 8);
		if (l->ncpu < 64) {
			l->cpu_off_field[l->ncpu] = p + 4;
			l->cpu_size_field[l->ncpu++] = p + 12;
		}
		add_chunks(l, d, size, rd(d, size, p + 4, 8));
	}
}

static void parse(struct layout *l, const uint8_t *d, size_t size)
{
	const uint8_t *nul;
	size_t p = 18, end;
	uint64_t opt;

	memset(l, 0, sizeof(*l));
	if (size < 32 || memcmp(d, "\x17\x08\x44tracing7", 11) || d[12] != 0)
		return;
	for (int s = 0; s < 2; s++) {	/* compression name, its version */
		nul = memchr(d + p, 0, size - p);
		if (!nul)
			return;
		p = nul - d + 1;
	}
	add(l, size, p, 8);
	opt = rd(d, size, p, 8);
	/* the first options section, when stored uncompressed (as the seeds) */
	if (opt >= size || size - opt < 16 || (rd(d, size, opt + 2, 2) & 1))
		return;
	add(l, size, opt + 8, 8);
	p = opt + 16;
	end = opt + 16 + rd(d, size, opt + 8, 8);
	if (end > size || end < p)
		end = size;
	while (p + 6 <= end) {
		uint16_t id = rd(d, size, p, 2);
		uint32_t osize = rd(d, size, p + 2, 4);

		add(l, size, p + 2, 4);
		p += 6;
		if (osize > end - p)
			break;
		if (id == 0) {
			add(l, size, p, 8);
			break;
		}
		if (id >= 16 && id <= 21 && osize >= 8) {
			add(l, size, p, 8);
			add_section(l, d, size, rd(d, size, p, 8));
		} else if (id == 3) {
			parse_buffer(l, d, size, p, p + osize);
		} else if (id == 8 && osize >= 4) {
			add(l, size, p, 4);
		}
		p += osize;
	}
}

static uint64_t pick_value(const struct layout *l, const uint8_t *d, size_t size,
			   const struct field *f)
{
	uint64_t v = rd(d, size, f->off, f->width), max = f->width == 4 ? 0xffffffffu : ~0ull;

	switch (rand() % 12) {
	case 0: return 0;
	case 1: return 1;
	case 2: return max;
	case 3: return size;
	case 4: return size - 1 - rand() % 64;
	case 5: {		/* another field's value: shared offsets and sizes */
		const struct field *g = &l->f[rand() % l->n];

		return rd(d, size, g->off, g->width);
	}
	case 6: return v * 2;
	case 7: return v * 64;
	case 8: return v + 1 + rand() % 16;
	case 9: return v - 1 - rand() % 16;
	case 10: return 1ull << (rand() % (f->width * 8));
	default: return v ^ (1ull << (rand() % (f->width * 8)));
	}
}

/* Append a chunk of zeros expanding to up to 16 MiB and point a CPU at it. */
static size_t add_bomb(const struct layout *l, uint8_t *d, size_t size, size_t max_size)
{
	static uint8_t *zeros;
	static uint8_t frame[4096];
	static size_t flen;
	static uint32_t usize;
	unsigned int c;
	size_t need;

	if (!l->ncpu)
		return 0;
	if (!zeros) {
		usize = 16u << 20;
		zeros = calloc(1, usize);
		if (!zeros)
			return 0;
		flen = ZSTD_compress(frame, sizeof(frame), zeros, usize, 19);
		if (ZSTD_isError(flen))
			return 0;
	}
	need = 4 + 8 + flen;
	if (size + need > max_size)
		return 0;
	c = rand() % l->ncpu;
	wr(d, size, 4, 1 + rand() % 4);		/* more chunks than there are: a short chain */
	wr(d, size + 4, 4, flen);
	wr(d, size + 8, 4, rand() % 2 ? usize : usize / (1 + rand() % 64));
	memcpy(d + size + 12, frame, flen);
	wr(d, l->cpu_off_field[c], 8, size);
	wr(d, l->cpu_size_field[c], 8, need - 4);
	if (rand() % 2) {			/* every CPU on it */
		for (unsigned int i = 0; i < l->ncpu; i++) {
			wr(d, l->cpu_off_field[i], 8, size);
			wr(d, l->cpu_size_field[i], 8, need - 4);
		}
	}
	/* compressed streams read to the end of the flyrecord section: make it cover the bomb */
	if (l->fly_size_field && l->fly_off + 16 <= size + need)
		wr(d, l->fly_size_field, 8, size + need - l->fly_off - 16);
	return size + need;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	static struct layout l;
	size_t n;

	srand(seed);
	if (size < 32 || rand() % 4 == 0)
		return LLVMFuzzerMutate(data, size, max_size);
	parse(&l, data, size);
	if (!l.n)
		return LLVMFuzzerMutate(data, size, max_size);
	if (rand() % 8 == 0 && (n = add_bomb(&l, data, size, max_size)))
		return n;
	for (int k = 1 + rand() % 3; k > 0; k--) {
		const struct field *f = &l.f[rand() % l.n];

		wr(data, f->off, f->width, pick_value(&l, data, size, f));
	}
	return size;
}
