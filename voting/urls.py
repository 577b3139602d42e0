from django.urls import path

from voting import consultation_views, desk_views, views, vote_views

app_name = "voting"

proposal = "panels/<int:panel_id>/proposals/<int:proposal_id>/"
amendment = "panels/<int:panel_id>/amendments/<int:amendment_id>/"
item = "panels/<int:panel_id>/items/<int:item_id>/"

vote = "panels/<int:panel_id>/votes/<int:vote_id>/"
consultation = "panels/<int:panel_id>/consultations/<int:consultation_id>/"

urlpatterns = [
    path("panels/<int:panel_id>/votes/new/", vote_views.vote_new, name="vote_new"),
    path(vote, vote_views.vote_detail, name="vote"),
    path(vote + "open/", vote_views.vote_open, name="vote_open"),
    path(vote + "close/", vote_views.vote_close, name="vote_close"),
    path(vote + "cast/", vote_views.vote_cast, name="vote_cast"),
    path(vote + "result.csv", vote_views.vote_csv, name="vote_csv"),
    path(vote + "receipt/", vote_views.vote_receipt, name="vote_receipt"),
    path(vote + "schedule/", vote_views.vote_schedule, name="vote_schedule"),
    path(vote + "answers/hide/", vote_views.vote_answer_hide, name="vote_answer_hide"),
    path(vote + "answers/propose/", vote_views.vote_answer_propose, name="vote_answer_propose"),
    path(vote + "desk/", desk_views.vote_desk, name="vote_desk"),
    path(vote + "desk/ballot/", desk_views.vote_desk_ballot, name="vote_desk_ballot"),
    path(vote + "desk/count/", desk_views.vote_room_count, name="vote_room_count"),
    path(vote + "desk/confirm/", desk_views.vote_room_confirm, name="vote_room_confirm"),
    path("panels/<int:panel_id>/meetings/<int:meeting_id>/proxy/", vote_views.proxy, name="proxy"),
    path(
        "panels/<int:panel_id>/meetings/<int:meeting_id>/ballots.pdf",
        desk_views.vote_sheets,
        name="vote_sheets",
    ),
    path(
        "panels/<int:panel_id>/consultations/",
        consultation_views.consultation_list,
        name="consultations",
    ),
    path(
        "panels/<int:panel_id>/consultations/new/",
        consultation_views.consultation_new,
        name="consultation_new",
    ),
    path(consultation, consultation_views.consultation_detail, name="consultation"),
    path(
        consultation + "questions/<int:number>/",
        consultation_views.consultation_question,
        name="consultation_question",
    ),
    path(consultation + "open/", consultation_views.consultation_open, name="consultation_open"),
    path(consultation + "close/", consultation_views.consultation_close, name="consultation_close"),
    path(
        consultation + "summary/",
        consultation_views.consultation_summary,
        name="consultation_summary",
    ),
    path(
        consultation + "response/",
        consultation_views.consultation_response,
        name="consultation_response",
    ),
    path(item + "proposals/new/", views.proposal_new, name="proposal_new"),
    path(item + "proposals/window/", views.item_window, name="item_window"),
    path(proposal, views.proposal_detail, name="proposal"),
    path(proposal + "edit/", views.proposal_edit, name="proposal_edit"),
    path(proposal + "history/", views.proposal_history, name="proposal_history"),
    path(proposal + "hide/", views.proposal_hide, name="proposal_hide"),
    path(proposal + "amendments/window/", views.proposal_window, name="proposal_window"),
    path(proposal + "amend/", views.amendment_new, name="amendment_new"),
    *[
        path(
            proposal + f"{action}/",
            views.proposal_action,
            {"action": action},
            name=f"proposal_{action}",
        )
        for action in ("submit", "withdraw", "admit", "support", "unsupport")
    ],
    path(amendment + "edit/", views.amendment_edit, name="amendment_edit"),
    path(amendment + "hide/", views.amendment_hide, name="amendment_hide"),
    *[
        path(
            amendment + f"{action}/",
            views.amendment_action,
            {"action": action},
            name=f"amendment_{action.replace('-', '_')}",
        )
        for action in ("accept", "withdraw", "to-vote", "rebase")
    ],
]
