//! The linker: named definitions that satisfy imports by module and name.

use crate::engine::Engine;
use crate::error::Error;
use crate::externals::Extern;
use crate::func::{Func, HostFn, IntoFunc};
use crate::instance::{instantiate, Instance};
use crate::module::Module;
use crate::store::{AsContextMut, Caller};
use crate::types::FuncType;
use crate::values::Val;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A definition: an entity of some store, or a host function not yet tied to a store.
enum Definition<T> {
    Extern(Extern),
    Host(FuncType, HostFn<T>),
}

impl<T> Clone for Definition<T> {
    fn clone(&self) -> Self {
        match self {
            Definition::Extern(e) => Definition::Extern(*e),
            Definition::Host(ty, f) => Definition::Host(ty.clone(), f.clone()),
        }
    }
}

/// Resolves imports by `(module, name)`.
pub struct Linker<T> {
    engine: Engine,
    defs: BTreeMap<(String, String), Definition<T>>,
    shadowing: bool,
}

impl<T> Linker<T> {
    /// An empty linker.
    pub fn new(engine: &Engine) -> Self {
        Linker {
            engine: engine.clone(),
            defs: BTreeMap::new(),
            shadowing: false,
        }
    }

    /// Whether a later definition may replace an earlier one of the same name.
    pub fn allow_shadowing(&mut self, yes: bool) -> &mut Self {
        self.shadowing = yes;
        self
    }

    fn insert(&mut self, module: &str, name: &str, def: Definition<T>) -> Result<&mut Self, Error> {
        let key = (module.to_string(), name.to_string());
        if !self.shadowing && self.defs.contains_key(&key) {
            return Err(Error::Link(format!("`{module}::{name}` is defined twice")));
        }
        self.defs.insert(key, def);
        Ok(self)
    }

    /// Defines `module::name` as `item`.
    pub fn define(
        &mut self,
        module: &str,
        name: &str,
        item: impl Into<Extern>,
    ) -> Result<&mut Self, Error> {
        self.insert(module, name, Definition::Extern(item.into()))
    }

    /// Defines a host function from a Rust closure (see [`Func::wrap`]).
    pub fn func_wrap<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        f: impl IntoFunc<T, Params, Results>,
    ) -> Result<&mut Self, Error> {
        let (ty, host) = f.into_host();
        self.insert(module, name, Definition::Host(ty, host))
    }

    /// Defines a host function with a dynamic signature (see [`Func::new`]).
    pub fn func_new(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Error> + Send + Sync + 'static,
    ) -> Result<&mut Self, Error> {
        self.insert(module, name, Definition::Host(ty, Arc::new(f)))
    }

    /// Defines every export of `instance` under `module_name`.
    pub fn instance(
        &mut self,
        mut store: impl AsContextMut<Data = T>,
        module_name: &str,
        instance: Instance,
    ) -> Result<&mut Self, Error> {
        let exports = instance.exports(store.as_context_mut());
        for (name, ext) in exports {
            self.define(module_name, &name, ext)?;
        }
        Ok(self)
    }

    /// Resolves `module::name` for `store`.
    pub fn get(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &str,
        name: &str,
    ) -> Option<Extern> {
        match self.defs.get(&(module.to_string(), name.to_string()))? {
            Definition::Extern(e) => Some(*e),
            Definition::Host(ty, f) => Some(Extern::Func(Func::from_host(
                store.as_context_mut().0,
                ty.clone(),
                f.clone(),
            ))),
        }
    }

    /// Every defined `(module, name)`.
    pub fn iter_names(&self) -> impl Iterator<Item = (&str, &str)> {
        self.defs.keys().map(|(m, n)| (m.as_str(), n.as_str()))
    }

    /// Instantiates `module`, resolving its imports here.
    pub fn instantiate(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &Module,
    ) -> Result<Instance, Error> {
        let store = store.as_context_mut().0;
        if !self.engine.same(module.engine()) {
            return Err(Error::Usage("module belongs to another engine".into()));
        }
        let mut imports = Vec::with_capacity(module.inner.imports.len());
        for import in &module.inner.imports {
            let Some(ext) = self.get(&mut *store, &import.module, &import.name) else {
                return Err(Error::Link(format!(
                    "unknown import: `{}::{}` has not been defined",
                    import.module, import.name
                )));
            };
            imports.push(ext);
        }
        instantiate(store, module, &imports)
    }
}
