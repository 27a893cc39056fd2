// The one module the UI imports wire types and generated commands from: a
// re-export of the tauri-specta output, so a rename shows up in one place.
export * from './bindings';
