import { useEffect, useState, type MouseEvent } from 'react';

export type View = 'upload' | 'history';

const PATHS: Record<View, string> = { upload: '/', history: '/history' };
const TITLES: Record<View, string> = { upload: 'Upload', history: 'History' };

function viewOf(pathname: string): View {
  return pathname.replace(/\/+$/, '') === PATHS.history ? 'history' : 'upload';
}

/**
 * The page's views, one URL each (the server answers the page for any of them, so a reload
 * or a bookmark lands on the same view). Switching keeps the uploader mounted: uploads go on.
 */
export function useView(): [View, (view: View) => void] {
  const [view, setView] = useState<View>(() => viewOf(location.pathname));
  useEffect(() => {
    const onPop = () => setView(viewOf(location.pathname));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  useEffect(() => {
    document.title = `${TITLES[view]} · OMERO uploader`;
  }, [view]);
  const go = (next: View) => {
    if (viewOf(location.pathname) !== next) history.pushState(null, '', PATHS[next]);
    setView(next);
  };
  return [view, go];
}

/** Links (they open in a new tab too), handled in the page for a plain click or Enter. */
export function ViewNav({ view, onChange }: { view: View; onChange: (view: View) => void }) {
  const follow = (next: View) => (event: MouseEvent) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    onChange(next);
  };
  return (
    <nav className="views" aria-label="Pages">
      <ul>
        {(['upload', 'history'] as View[]).map((item) => (
          <li key={item}>
            <a href={PATHS[item]} aria-current={item === view ? 'page' : undefined} onClick={follow(item)}>
              {TITLES[item]}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
