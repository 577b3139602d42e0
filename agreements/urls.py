from django.urls import path

from agreements import advice_views as av
from agreements import views

app_name = "agreements"

one = "panels/<int:panel_id>/agreements/<int:agreement_id>/"
advice = "panels/<int:panel_id>/advice/<int:advice_id>/"

urlpatterns = [
    path("panels/<int:panel_id>/agreements/", views.agreement_list, name="list"),
    path("panels/<int:panel_id>/agreements/new/", views.agreement_new, name="new"),
    path("panels/<int:panel_id>/feedback/", views.feedback, name="feedback"),
    path("panels/<int:panel_id>/feedback/answer/", views.answer, name="answer"),
    path("panels/<int:panel_id>/advice/", av.advice_list, name="advice_list"),
    path("panels/<int:panel_id>/advice/new/", av.advice_new, name="advice_new"),
    path(advice, av.advice_detail, name="advice"),
    path(advice + "advise/", av.advice_give, name="advice_give"),
    path(advice + "decide/", av.advice_decide, name="advice_decide"),
    path(one, views.agreement_detail, name="detail"),
    path(one + "edit/", views.agreement_edit, name="edit"),
    path(one + "sign/", views.agreement_sign, name="sign"),
    path(one + "follow/", views.agreement_follow, name="follow"),
    path(one + "restore/", views.agreement_restore, name="restore"),
    path(one + "history/", views.agreement_history, name="history"),
    path(one + "print/", views.agreement_print, name="print"),
    path(one + "agreement.pdf", views.agreement_pdf, name="pdf"),
    path(one + "history.csv", views.agreement_export, {"fmt": "csv"}, name="export_csv"),
    path(one + "history.json", views.agreement_export, {"fmt": "json"}, name="export_json"),
]
