//! Bulk memory, table and segment instructions: rare and heavy, so the work is out of line
//! (`exec/bulk.rs`); each handler here calls its function and hands over.

use super::*;

macro_rules! bulk {
    ($family:ident; $($NAME:ident: $L:ident, $name:literal => $f:path, reload: $reload:literal;)*) => {
        $(def!($NAME: $L, $name, |imm, ip, sp, mem, len, ctx, acc| {
            // The immediates are passed by reference into the code, never as the address of
            // a local: a local whose address escapes into an out-of-line call would stop
            // LLVM from turning the hand-over below into a jump (seen with `lto = "off"`).
            // SAFETY: the immediates of layout `$L` follow the handler's word (see `def!`);
            // `$f`'s contract (see `exec/bulk.rs`) holds: `ctx` is the running context and
            // `sp` the frame whose slots the immediates name.
            match $f(ctx, sp, &*(ip.add(1) as *const $L)) {
                Ok(()) => {
                    let (mem, len) = if $reload { ctx.mem_regs() } else { (mem, len) };
                    next!($L, ip, sp, mem, len, ctx, acc)
                }
                Err(code) => trap(ctx, ip, code),
            }
        });)*
        /// This family's instructions, for [`all`](super::all).
        pub(super) fn $family() -> Vec<OpInfo> { info!($($NAME: $L),*) }
    };
}

bulk! { infos;
    MEMORY_COPY: MemCopy, "memory.copy" => crate::exec::bulk::memory_copy, reload: false;
    MEMORY_FILL: MemFill, "memory.fill" => crate::exec::bulk::memory_fill, reload: false;
    MEMORY_INIT: MemInit, "memory.init" => crate::exec::bulk::memory_init, reload: false;
    DATA_DROP: Seg, "data.drop" => crate::exec::bulk::data_drop, reload: false;
    TABLE_GET: TableGet, "table.get" => crate::exec::bulk::table_get, reload: false;
    TABLE_SET: TableSet, "table.set" => crate::exec::bulk::table_set, reload: false;
    TABLE_SIZE: TableSize, "table.size" => crate::exec::bulk::table_size, reload: false;
    TABLE_GROW: TableGrow, "table.grow" => crate::exec::bulk::table_grow, reload: false;
    TABLE_FILL: TableFill, "table.fill" => crate::exec::bulk::table_fill, reload: false;
    TABLE_COPY: TableCopy, "table.copy" => crate::exec::bulk::table_copy, reload: false;
    TABLE_INIT: TableInit, "table.init" => crate::exec::bulk::table_init, reload: false;
    ELEM_DROP: Seg, "elem.drop" => crate::exec::bulk::elem_drop, reload: false;
}
