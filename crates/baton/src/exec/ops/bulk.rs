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
                    // No instruction here writes an accumulator, so the next one reads
                    // none of them: handing on constants instead of what came in keeps
                    // the three registers from being saved around the call.
                    let acc = Acc::NONE;
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
    // GC's structures and arrays (out of line too, for now: issue 13).
    STRUCT_NEW: StructNew, "struct.new" => crate::exec::gc::struct_new, reload: false;
    STRUCT_NEW_DEFAULT: StructNew, "struct.new_default" => crate::exec::gc::struct_new_default, reload: false;
    STRUCT_GET: GcField, "struct.get" => crate::exec::gc::struct_get, reload: false;
    STRUCT_SET: GcField, "struct.set" => crate::exec::gc::struct_set, reload: false;
    ARRAY_NEW: ArrayNew, "array.new" => crate::exec::gc::array_new, reload: false;
    ARRAY_NEW_DEFAULT: ArrayNew, "array.new_default" => crate::exec::gc::array_new_default, reload: false;
    ARRAY_NEW_FIXED: ArrayNew, "array.new_fixed" => crate::exec::gc::array_new_fixed, reload: false;
    ARRAY_NEW_SEG: ArrayNewSeg, "array.new_seg" => crate::exec::gc::array_new_seg, reload: false;
    ARRAY_GET: ArrayAccess, "array.get" => crate::exec::gc::array_get, reload: false;
    ARRAY_SET: ArrayAccess, "array.set" => crate::exec::gc::array_set, reload: false;
    ARRAY_LEN: Un, "array.len" => crate::exec::gc::array_len, reload: false;
    ARRAY_FILL: ArrayFill, "array.fill" => crate::exec::gc::array_fill, reload: false;
    ARRAY_COPY: ArrayCopy, "array.copy" => crate::exec::gc::array_copy, reload: false;
    ARRAY_INIT: ArrayInit, "array.init" => crate::exec::gc::array_init, reload: false;
}
