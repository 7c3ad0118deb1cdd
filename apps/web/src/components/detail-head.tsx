import type { ReactNode } from 'react';
import type { Experiment } from '../api/types.js';
import { hrefWith, type Location, navigate } from '../lib/router.js';
import { Link } from './link.js';
import { TabList } from './tab-list.js';

/** The tab in the URL's `tab` (the first tab when it is missing or unknown). */
export function tabOf<T extends string>(location: Location, tabs: readonly [T, ...T[]]): T {
  const param = location.query.get('tab');
  return tabs.find((t) => t === param) ?? tabs[0];
}

/** Props of a detail page's head. */
export interface DetailHeadProps<T extends string> {
  /** The experiment the object belongs to, and where its crumb links. */
  experimentId: string;
  experimentHref: string;
  /** The loaded experiment, for its name (the crumb says `Experiment <id>` until it matches). */
  experiment?: Experiment;
  title: string;
  status: ReactNode;
  tabs: readonly [T, ...T[]];
  location: Location;
}

/**
 * The head of a run's or logged model's page: the experiment crumb, the title with its status, and the tabs,
 * kept in the URL's `tab` (the first tab leaves it out; switching tabs drops the selected artifact).
 */
export function DetailHead<T extends string>(props: DetailHeadProps<T>) {
  const { experimentId, experiment, location, tabs } = props;
  return (
    <>
      <nav className="crumbs">
        <Link href={props.experimentHref}>
          {experiment?.experiment_id === experimentId ? experiment.name : `Experiment ${experimentId}`}
        </Link>{' '}
        › <span>{props.title}</span>
      </nav>
      <header className="page-head">
        <h1>{props.title}</h1>
        {props.status}
      </header>
      <TabList
        tabs={tabs}
        active={tabOf(location, tabs)}
        onSelect={(t) => navigate(hrefWith(location, { tab: t === tabs[0] ? null : t, artifact: null }))}
        label={(t) => t[0]!.toUpperCase() + t.slice(1)}
      />
    </>
  );
}
