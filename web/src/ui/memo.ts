// memo: a component that renders again only when its props changed, in a dozen lines, rather
// than preact/compat's (several KB) for two uses.

import { Component, h, type ComponentType } from "preact";

/** shallowSame reports whether a and b hold the same values, key by key. */
export function shallowSame<P extends object>(a: P, b: P): boolean {
  const ka = Object.keys(a) as (keyof P)[];
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** memo wraps C so that it renders again only when same says its props differ. */
export function memo<P extends object>(C: ComponentType<P>, same: (a: P, b: P) => boolean = shallowSame): ComponentType<P> {
  return class Memo extends Component<P> {
    override shouldComponentUpdate(next: P): boolean {
      return !same(this.props, next);
    }
    render() {
      return h(C, this.props);
    }
  };
}
