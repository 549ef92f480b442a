//! Metering and interruption: `fuel` and `check_interrupt`, emitted only into code
//! translated with them switched on, so code without them pays nothing. (The fuel-charging
//! forms of add-and-branch are in `control.rs`.)

use super::*;

/// Stops execution for lack of fuel at the instruction of `regs`, which resumes there.
#[cold]
#[inline(never)]
pub(super) fn out_of_fuel(ctx: &mut Ctx, regs: Regs) -> Control {
    ctx.regs = regs;
    ctx.trap = TrapCode::OutOfFuel;
    ctx.trap_ip = regs.ip;
    Control::OutOfFuel
}

// (With vias: in metered code every label starts with a charge, so that is where jumps
// land.)
def_via!(FUEL, VIA_FUEL: Fuel, "fuel", |imm, ip, sp, mem, len, ctx, acc| {
    match ctx.fuel.checked_sub(imm.amount as u64) {
        Some(left) => {
            ctx.fuel = left;
            next!(Fuel, ip, sp, mem, len, ctx, acc)
        }
        // Nothing of the block has run: resuming here after refuelling is exact.
        None => out_of_fuel(ctx, Regs { ip, sp, mem, len, acc }),
    }
});

def!(FUEL_ELEMS: FuelElems, "fuel.elems", |imm, ip, sp, mem, len, ctx, acc| {
    let amount = (rd::<u32>(sp, imm.len) >> imm.shift) as u64;
    match ctx.fuel.checked_sub(amount) {
        Some(left) => {
            ctx.fuel = left;
            next!(FuelElems, ip, sp, mem, len, ctx, acc)
        }
        // The array instruction has not run: resuming here after refuelling is exact.
        None => out_of_fuel(ctx, Regs { ip, sp, mem, len, acc }),
    }
});

def!(CHECK_INTERRUPT: Nothing, "check_interrupt", |imm, ip, sp, mem, len, ctx, acc| {
    // SAFETY: `Store::wire` points `ctx.interrupt` at the store's flag whenever execution
    // starts; the flag is in an `Arc` the store holds, so it outlives the execution.
    if (*ctx.interrupt).load(core::sync::atomic::Ordering::Relaxed) {
        ctx.regs = Regs { ip, sp, mem, len, acc };
        ctx.trap = TrapCode::Interrupted;
        ctx.trap_ip = ip;
        return Control::Interrupted;
    }
    next!(Nothing, ip, sp, mem, len, ctx, acc)
});

/// The instructions of this family that have vias, with their vias.
pub(super) fn vias() -> Vec<Via> {
    vec![Via {
        target: FUEL.code,
        vias: VIA_FUEL,
        module: module_path!(),
        owner: "VIA_FUEL",
        forms: ["br", "copy_br"],
    }]
}

/// This family's instructions, for [`all`](super::all).
pub(super) fn infos() -> Vec<OpInfo> {
    info!(FUEL: Fuel, FUEL_ELEMS: FuelElems, CHECK_INTERRUPT: Nothing)
}
