// Vite's module types: CSS imports and the like.
/// <reference types="vite/client" />
