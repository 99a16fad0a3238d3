/* interrupt.h - fuel metering, deadlines and asynchronous interrupts of running wasm code (the
 * public side is in weft.h). The interpreter keeps a signed budget of units in a local,
 * decrements it once per function entry and per taken branch, and calls into here only when it
 * goes negative, on entry, and around anything that leaves the interpreter loop. */
#ifndef WEFT_CORE_INTERRUPT_H
#define WEFT_CORE_INTERRUPT_H

#include <stdint.h>

#include "core/runtime.h"

/* Reserves the first chunk of units for an interpreter run and returns it as the budget. */
int64_t weft__interrupt_reserve(weft_store_t *store);

/* Called when the budget went negative: the reserved chunk is used up and one more unit is
 * wanted. Checks the interrupt flag, the deadline and the fuel; returns the new budget (the next
 * chunk less that unit), or -1 with *code set to the trap to raise. */
int64_t weft__interrupt_refill(weft_store_t *store, weft_trap_code_t *code);

/* Gives the unused part of the budget back to the store (before host code can look at the fuel
 * and when the interpreter stops). */
void weft__interrupt_refund(weft_store_t *store, int64_t budget);

#endif
