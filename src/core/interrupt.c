/* interrupt.c - interruption of running wasm code: fuel, a monotonic deadline and a thread-safe
 * interrupt request (API in weft.h, interpreter protocol in interrupt.h).
 *
 * Fuel is reserved from the store in chunks of at most WEFT_INTERRUPT_CHECK_UNITS; the
 * interpreter spends a chunk with a plain counter and returns what it did not use, so the
 * store's count is exact whenever no interpreter is inside a chunk. The clock is read and the
 * interrupt flag is loaded once per chunk, so these checks cost nothing per unit. */
#include "core/interrupt.h"

#include <stdatomic.h>
#include <time.h>

static int64_t take_chunk(weft_store_t *s)
{
    uint64_t n = WEFT_INTERRUPT_CHECK_UNITS;
    if (s->fuel_on) {
        if (s->fuel < n) n = s->fuel;
        s->fuel -= n;
    }
    return (int64_t)n;
}

int64_t weft__interrupt_reserve(weft_store_t *store)
{
    return take_chunk(store);
}

int64_t weft__interrupt_refill(weft_store_t *store, weft_trap_code_t *code)
{
    /* The flag is consumed by the trap it causes (weft.h); relaxed ordering is enough since it
     * carries no data. */
    if (atomic_load_explicit(&store->interrupt_flag, memory_order_relaxed) &&
        atomic_exchange_explicit(&store->interrupt_flag, 0u, memory_order_relaxed)) {
        *code = WEFT_TRAP_INTERRUPTED;
        return -1;
    }
    if (store->deadline_ns && weft_monotonic_ns() >= store->deadline_ns) {
        *code = WEFT_TRAP_INTERRUPTED;
        return -1;
    }
    if (store->fuel_on && store->fuel == 0) {
        *code = WEFT_TRAP_OUT_OF_FUEL;
        return -1;
    }
    return take_chunk(store) - 1;
}

void weft__interrupt_refund(weft_store_t *store, int64_t budget)
{
    if (store->fuel_on && budget > 0) store->fuel += (uint64_t)budget;
}

void weft_store_set_fuel(weft_store_t *store, uint64_t fuel)
{
    if (!store) return;
    store->fuel_on = fuel != WEFT_FUEL_UNLIMITED;
    store->fuel = store->fuel_on ? fuel : 0;
}

uint64_t weft_store_get_fuel(const weft_store_t *store)
{
    if (!store || !store->fuel_on) return WEFT_FUEL_UNLIMITED;
    return store->fuel;
}

void weft_store_set_deadline_ns(weft_store_t *store, uint64_t deadline_ns)
{
    if (store) store->deadline_ns = deadline_ns;
}

uint64_t weft_monotonic_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void weft_store_interrupt(weft_store_t *store)
{
    if (!store) return;
    atomic_store_explicit(&store->interrupt_flag, 1u, memory_order_relaxed);
    /* A store sleeping in its event loop (no wasm running to see the flag) is woken: the loop
     * then reports the interruption. */
    weft__store_wake_fn wake = atomic_load_explicit(&store->wake_hook, memory_order_acquire);
    if (wake) wake(store);
}
